"""The sample page and its chat widget, as a test sees them (Selenium, explicit waits only)."""
from __future__ import annotations

from typing import List

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

FIRST_ANSWER_TIMEOUT_S = 60
ERROR_TEXT = "Can't reach the advisor right now."

LAUNCHER = (By.CSS_SELECTOR, ".mcc-launcher")
PANEL = (By.ID, "mcc-panel")
INPUT = (By.ID, "mcc-input")
BOT = (By.CSS_SELECTOR, "#mcc-panel .mcc-msg[data-from='bot']")
USER = (By.CSS_SELECTOR, "#mcc-panel .mcc-msg[data-from='user']")
TYPING = (By.CSS_SELECTOR, "#mcc-panel .mcc-typing")
ERROR = (By.CSS_SELECTOR, "#mcc-panel .mcc-error")
RETRY = (By.CSS_SELECTOR, "#mcc-panel .mcc-error .mcc-retry")
CARD = (By.CSS_SELECTOR, "#mcc-panel .mcc-msg[data-from='bot'] .mcc-card")
# The text of a collapsed element, with its <br>s as newlines (Selenium's .text is "" when hidden).
HIDDEN_TEXT_JS = "return Array.from(arguments[0].childNodes, (n) => n.nodeName === 'BR' ? '\\n' : n.textContent).join('');"


class ChatPage:
    def __init__(self, driver: WebDriver, url: str) -> None:
        self.driver, self.url = driver, url

    def wait(self, timeout: float = 15) -> WebDriverWait:
        return WebDriverWait(self.driver, timeout, ignored_exceptions=(StaleElementReferenceException,))

    # -- page ---------------------------------------------------------------------------------

    def load(self) -> "ChatPage":
        self.driver.get(self.url)
        self.wait().until(EC.element_to_be_clickable(LAUNCHER))
        return self

    def open_chat(self) -> "ChatPage":
        if not self.driver.find_element(*PANEL).is_displayed():
            self.driver.find_element(*LAUNCHER).click()
        self.wait().until(EC.visibility_of_element_located(INPUT))
        return self

    def panel(self) -> WebElement:
        return self.driver.find_element(*PANEL)

    # -- conversation ---------------------------------------------------------------------------

    def bot_messages(self) -> List[WebElement]:
        return self.driver.find_elements(*BOT)

    def bot_texts(self) -> List[str]:
        """Each bot message's text; for a progress card, the text it stands for (its collapsed
        "Text version"), so a card reads like the text message it replaced."""
        return [self.text_of(m) for m in self.bot_messages()]

    def text_of(self, message: WebElement) -> str:
        bodies = message.find_elements(By.CSS_SELECTOR, ".mcc-text")
        if not bodies:
            return ""  # a card sent without a text message
        if bodies[0].is_displayed():
            return bodies[0].text
        return self.driver.execute_script(HIDDEN_TEXT_JS, bodies[0])

    def cards(self) -> List[WebElement]:
        return self.driver.find_elements(*CARD)

    def user_texts(self) -> List[str]:
        return [m.find_element(By.CSS_SELECTOR, ".mcc-text").text for m in self.driver.find_elements(*USER)]

    def idle(self) -> bool:
        return self.panel().get_attribute("aria-busy") != "true" and not self.driver.find_elements(*TYPING)

    def type_and_enter(self, text: str) -> None:
        box = self.driver.find_element(*INPUT)
        box.clear()
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def ask(self, text: str, timeout: float = FIRST_ANSWER_TIMEOUT_S) -> List[str]:
        """Send ``text`` with the Enter key; the bot's new messages once it has answered."""
        return self.await_answer(lambda: self.type_and_enter(text), timeout)

    def click_choice(self, title: str, timeout: float = FIRST_ANSWER_TIMEOUT_S) -> List[str]:
        """Click the last reply button titled ``title``; the bot's new messages."""
        buttons = [b for b in self.driver.find_elements(By.CSS_SELECTOR, "#mcc-panel .mcc-choice") if b.text == title]
        assert buttons, f"no button titled {title!r}"
        return self.await_answer(buttons[-1].click, timeout)

    def await_answer(self, act, timeout: float) -> List[str]:
        before = len(self.bot_messages())
        act()
        self.wait(timeout).until(
            lambda d: self.idle() and (len(self.bot_messages()) > before or d.find_elements(*ERROR)),
            "the widget showed neither an answer nor an error",
        )
        assert not self.driver.find_elements(*ERROR), "the widget showed its error line"
        return self.bot_texts()[before:]

    def wait_for_error(self, timeout: float = 20) -> WebElement:
        return self.wait(timeout).until(EC.visibility_of_element_located(ERROR))

    # -- development sign-in --------------------------------------------------------------------

    def sign_in(self, person_id: str, role: str = "student") -> None:
        select = self.wait().until(EC.visibility_of_element_located((By.ID, "dev-login-person")))
        Select(select).select_by_value(f"{role}:{person_id}")
        self.driver.find_element(By.ID, "dev-login-submit").click()
        self.wait().until(EC.visibility_of_element_located((By.ID, "dev-logout")))
        self.wait().until(lambda d: person_id in self.who())

    def sign_out(self) -> None:
        self.driver.find_element(By.ID, "dev-logout").click()
        self.wait().until(EC.visibility_of_element_located((By.ID, "dev-login-submit")))
        self.wait().until(lambda d: "Not signed in" in self.who())

    def who(self) -> str:
        """The widget's "signed in as" line (read even while the panel is closed)."""
        return self.driver.find_element(By.ID, "mcc-who").get_attribute("textContent") or ""
